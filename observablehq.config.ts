// Observable Framework configuration for the Meteor Playground notebook.
// Everything is served from this machine: no web fonts, no CDN imports (pages import
// d3, Plot, Inputs and arquero from node_modules explicitly). The default global stylesheet
// (Google's Source Serif font) is replaced by Inputs' own stylesheet, which Framework adds
// by itself only for `npm:@observablehq/inputs` imports.

/** The site icon, inline (a meteor: a head and its trail), so no browser asks for /favicon.ico. */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M3 29 17 15" stroke="#f59e0b" stroke-width="4" stroke-linecap="round"/><circle cx="21" cy="11" r="8" fill="#ea580c"/></svg>`;

export default {
  title: "Meteor Playground",
  head: `<link rel="icon" type="image/svg+xml" href="data:image/svg+xml;base64,${Buffer.from(ICON).toString("base64")}">`,
  root: "docs",
  output: "dist",
  globalStylesheets: ["observablehq:stdlib/inputs.css"],
  pages: [
    { name: "Overview", path: "/" },
    { name: "Data explorer", path: "/data-explorer" },
    { name: "Benchmarks", path: "/benchmarks" },
    { name: "Ablations", path: "/ablations" },
    { name: "Kernels", path: "/kernels" },
    { name: "Inside Mamba", path: "/inside-mamba" },
    { name: "Ask", path: "/ask" },
    { name: "Train", path: "/train" },
  ],
  footer: "Meteor Playground — a re-implementation of Meteor (arXiv 2405.15574) for study.",
  search: false,
};
