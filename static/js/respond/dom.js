// The sorting page's modules import el() from here; it lives in static/js/shared/dom.js so the studio's scripts
// use the same builder.
export { el } from "../shared/dom.js";
