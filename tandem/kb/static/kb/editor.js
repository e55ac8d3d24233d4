// The article editor: "Insert image" puts a file's Markdown snippet at the cursor in the body
// and lets the live preview (htmx, on input) show it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-kb-insert]");
  if (!button) return;
  const body = document.querySelector("textarea[name=body]");
  if (!body) return;
  const snippet = button.dataset.kbInsert;
  const start = body.selectionStart ?? body.value.length;
  const end = body.selectionEnd ?? start;
  const before = body.value.slice(0, start);
  const spacer = before && !before.endsWith("\n") ? "\n" : "";
  body.value = before + spacer + snippet + "\n" + body.value.slice(end);
  const caret = start + spacer.length + snippet.length + 1;
  body.setSelectionRange(caret, caret);
  body.focus();
  body.dispatchEvent(new Event("input", { bubbles: true }));
});
