// Observable Framework configuration for the Meteor Playground notebook.
// Everything is served from this machine: no web fonts, no CDN imports (pages import
// d3, Plot, Inputs and arquero from node_modules explicitly). The default global stylesheet
// (Google's Source Serif font) is replaced by Inputs' own stylesheet, which Framework adds
// by itself only for `npm:@observablehq/inputs` imports.
export default {
  title: "Meteor Playground",
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
