// On a narrow screen the study tabs scroll sideways: bring the current tab into view.
const current = document.querySelector('.tabs a[aria-current="page"]');
if (current) {
  const tabs = current.parentElement;
  if (tabs.scrollWidth > tabs.clientWidth) {
    tabs.scrollLeft = current.offsetLeft - (tabs.clientWidth - current.offsetWidth) / 2;
  }
}
