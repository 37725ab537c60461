// Read what the browser tests check off a loaded page (evaluated by Playwright).
async () => {
  // Wait for MathJax's first typesetting pass (it is only loaded on pages with math).
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;

  // Images: load every one (no lazy loading), then read its natural size.
  const imgs = [...document.images];
  imgs.forEach((i) => { i.loading = "eager"; });
  await Promise.all(imgs.map((i) => (i.complete ? null : new Promise((r) => {
    i.addEventListener("load", r, { once: true });
    i.addEventListener("error", r, { once: true });
    setTimeout(r, 10000);
  }))));
  const images = imgs.map((i) => ({
    src: i.currentSrc || i.src, width: i.naturalWidth, height: i.naturalHeight,
    inArticle: article.contains(i),
  }));

  // Math: every math element rendered by MathJax, no MathJax error, no TeX left in the text.
  const mathEls = [...article.querySelectorAll("div.math, span.math")];
  const unrendered = mathEls.filter((e) => !e.querySelector("mjx-container"))
    .map((e) => e.textContent.trim().slice(0, 80));
  const mathErrors = [...document.querySelectorAll("mjx-merror, [data-mjx-error], .MathJax_Error")]
    .map((e) => (e.getAttribute("data-mjx-error") || e.textContent || "").slice(0, 120));
  const clone = article.cloneNode(true);
  clone.querySelectorAll("pre, code, script, style, textarea, mjx-container, .cell_input, .highlight, .output")
    .forEach((e) => e.remove());
  const text = clone.textContent;
  const rawPatterns = [/\$\$/, /\\begin\{/, /\\\(/, /\\\[/, /\$[^$\s][^$\n]*\\[a-zA-Z]+[^$\n]*\$/,
    /\{(eq|math|cite:p|cite:t|prf:ref|ref|numref|doc|peq|peq-reason)\}`/];
  const rawTex = rawPatterns.map((re) => { const m = text.match(re); return m ? text.slice(Math.max(0, m.index - 40), m.index + 60) : null; })
    .filter((x) => x);

  // Links and equation references.
  const links = [...document.querySelectorAll("a[href]")]
    .filter((a) => !a.getAttribute("href").startsWith("javascript:"))
    .map((a) => ({ href: a.href, text: a.textContent.trim().slice(0, 60) }));
  const eqrefs = [...article.querySelectorAll('a.reference.internal[href*="#equation-"]')]
    .map((a) => ({ href: a.href, text: a.textContent.trim() }));
  const eqnos = {};
  article.querySelectorAll("div.math[id^='equation-']").forEach((d) => {
    const no = d.querySelector(".eqno");
    eqnos[d.id] = no ? no.textContent.replace("#", "").trim() : null;
  });
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);

  // Exercises, solutions, explorers, buttons.
  const solutions = article.querySelectorAll(".solution.dropdown, .solution.toggle").length;
  const exercises = article.querySelectorAll(".exercise").length;
  const explorers = [...article.querySelectorAll(".wiretap-explorer-note")].map((note) => {
    const cell = note.closest(".cell") || note.closest(".cell_output") || note.parentElement;
    const img = cell ? cell.querySelector("img") : null;
    return { hasFigure: !!img, width: img ? img.naturalWidth : 0 };
  });
  const hrefs = links.map((l) => l.href);
  const buttons = {
    binder: hrefs.filter((h) => h.includes("mybinder.org/v2/gh/")),
    colab: hrefs.filter((h) => h.includes("colab.research.google.com/github/")),
    downloads: [...document.querySelectorAll(".dropdown-download-buttons a, a.btn-download-source-button, a[download]")]
      .map((a) => a.href).filter((h) => h),
  };
  return {
    title: document.title,
    h1: (article.querySelector("h1") || {}).textContent || "",
    math: { elements: mathEls.length, unrendered, errors: mathErrors, mathjax: window.MathJax ? MathJax.version || "loading" : null },
    rawTex, images, links, eqrefs, eqnos, ids, solutions, exercises, explorers, buttons,
    textLength: text.length,
  };
}
