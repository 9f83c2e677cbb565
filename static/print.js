// "In" beside a list's downloads prints the page (its title block shows on paper only).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
