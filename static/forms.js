// A unit does not coordinate the task it leads: a task form ("Đơn vị chủ trì" beside "Đơn vị phối hợp") hides
// and unticks the lead unit among the coordinating ones whenever the lead changes. The service refuses such a
// task anyway (tasks/services.py check_units); this only keeps the choice from being offered.
const LEAD = "lead_unit_id";
const COORDINATING = "coordinating_unit_ids";
const LEAD_SELECT = `select[id$="${LEAD}"]`;

function offerOthersThanLead(lead) {
  const list = document.getElementById(lead.id.slice(0, -LEAD.length) + COORDINATING);
  if (!list) return;
  for (const box of list.querySelectorAll("input[type=checkbox]")) {
    const isLead = box.value === lead.value;
    if (isLead) box.checked = false;
    box.disabled = isLead;
    box.closest(".form-check").hidden = isLead;
  }
}

// Pages arrive whole or swapped in by htmx (hx-boost): each new piece of page is looked at once.
const offerIn = (root) => root.querySelectorAll(LEAD_SELECT).forEach(offerOthersThanLead);
document.addEventListener("DOMContentLoaded", () => offerIn(document));
document.addEventListener("htmx:load", (event) => offerIn(event.target));
document.addEventListener("change", (event) => {
  if (event.target.matches(LEAD_SELECT)) offerOthersThanLead(event.target);
});
