// A unit does not coordinate the task it leads: a task form ("Đơn vị chủ trì" beside "Đơn vị phối hợp") hides
// and unticks the lead unit among the coordinating ones whenever the lead changes. The service refuses such a
// task anyway (tasks/services.py check_units); this only keeps the choice from being offered.
// Two shapes of lead: the task form's one select (`…lead_unit_id`), and the intake review's ticks per draft
// (`drafts-N-leads`, values "unit:<id>" or a whole kind "kind:commune"). A kind is not hidden among the
// coordinating units: each unit of the kind leads its own copy and may coordinate on the others'.
const COORDINATING = "coordinating_unit_ids";
const LEADS = [
  {suffix: "lead_unit_id", selector: 'select[id$="lead_unit_id"]', units: (lead) => [lead.value]},
  {
    suffix: "leads",
    selector: 'div.check-list[id$="-leads"]',
    units: (lead) => [...lead.querySelectorAll("input[type=checkbox]:checked")]
      .filter((box) => box.value.startsWith("unit:")).map((box) => box.value.slice("unit:".length)),
  },
];

function offerOthersThanLead(lead, shape) {
  const list = document.getElementById(lead.id.slice(0, -shape.suffix.length) + COORDINATING);
  if (!list) return;
  const leads = new Set(shape.units(lead));
  for (const box of list.querySelectorAll("input[type=checkbox]")) {
    const isLead = leads.has(box.value);
    if (isLead) box.checked = false;
    box.disabled = isLead;
    box.closest(".form-check").hidden = isLead;
  }
}

// Pages arrive whole or swapped in by htmx (hx-boost): each new piece of page is looked at once.
const offerIn = (root) => LEADS.forEach((shape) =>
  root.querySelectorAll(shape.selector).forEach((lead) => offerOthersThanLead(lead, shape)));
document.addEventListener("DOMContentLoaded", () => offerIn(document));
document.addEventListener("htmx:load", (event) => offerIn(event.target));
document.addEventListener("change", (event) => {
  for (const shape of LEADS) {
    const lead = event.target.closest(shape.selector);
    if (lead) offerOthersThanLead(lead, shape);
  }
});
