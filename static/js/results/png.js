// "Download PNG" for a server-drawn SVG: draw it on a canvas at twice its size and save the canvas.
// Progressive enhancement: the button stays hidden without JavaScript (the SVG download always works).
const button = document.getElementById("download-png");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => {
    const svg = document.getElementById(button.dataset.source).querySelector("svg");
    const width = Number(svg.getAttribute("width"));
    const height = Number(svg.getAttribute("height"));
    // A data: URL, not a blob: one: the CSP allows images from 'self' and data: only.
    const url = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(svg));
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = width * 2;
      canvas.height = height * 2;
      const context = canvas.getContext("2d");
      context.scale(2, 2);
      context.drawImage(image, 0, 0, width, height);
      canvas.toBlob((blob) => {
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = button.dataset.filename;
        link.click();
      }, "image/png");
    };
    image.src = url;
  });
}
