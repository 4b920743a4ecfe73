// Keyboard work on the queue: j/k move, a approves, r rejects (with the selected reason), x selects.
// Decisions go to the JSON API with the session's CSRF token; the item then leaves the page.
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const counter = document.getElementById("count-total");
  const digits = (n) => String(n).replace(/[0-9]/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]);
  let current = 0;

  const items = () => Array.from(document.querySelectorAll("article.item"));

  function focus(index) {
    const all = items();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((el, i) => el.classList.toggle("focused", i === current));
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function toast(text) {
    const box = document.createElement("div");
    box.className = "toast";
    box.setAttribute("role", "status");
    box.textContent = text;  // text, never HTML
    document.body.appendChild(box);
    setTimeout(() => box.remove(), 3000);
  }

  async function decide(verdict) {
    const item = items()[current];
    if (!item) return;
    const id = item.dataset.itemId;
    const select = item.querySelector('select[name="reason_code"]');
    const reason = verdict === "reject" && select ? select.value : (verdict === "approve" ? "acceptable" : "");
    const response = await fetch(`/moderator/api/items/${id}/decision`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify({ verdict: verdict, reason_code: reason }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      toast((body.error && body.error.message) || "ثبت نشد");
      return;
    }
    item.remove();
    toast(verdict === "approve" ? "تأیید شد" : "رد شد");
    if (counter) counter.textContent = digits(Math.max(0, items().length));
    refreshCounts();
    focus(current);
  }

  async function refreshCounts() {
    try {
      const response = await fetch("/moderator/api/counts", { credentials: "same-origin" });
      if (response.ok && counter) counter.textContent = digits((await response.json()).total);
    } catch (_) { /* offline for a moment: the next poll tries again */ }
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const item = items()[current];
    switch (event.key) {
      case "j": focus(current + 1); break;
      case "k": focus(current - 1); break;
      case "a": decide("approve"); break;
      case "r": decide("reject"); break;
      case "x":
        if (item) {
          const box = item.querySelector('input[type="checkbox"]');
          if (box) { box.checked = !box.checked; item.classList.toggle("selected", box.checked); }
        }
        break;
      default: return;
    }
    event.preventDefault();
  });

  items().forEach((el, i) => el.addEventListener("click", () => focus(i)));
  focus(0);
  setInterval(refreshCounts, 15000);
})();
