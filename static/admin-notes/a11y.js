// select2 (the admin's autocomplete boxes) adds a search field that has no label: give each
// the label of the select it stands for, now and whenever select2 draws one anew (a new
// inline row, a choice made).
(function () {
  "use strict";

  function labelFor(select) {
    if (!select || !select.id) {
      return "";
    }
    var label = document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.trim().replace(/:$/, "") : "";
  }

  function labelSearchFields(root) {
    var fields = (root.querySelectorAll ? root : document).querySelectorAll(
      ".select2-search__field:not([aria-label])"
    );
    fields.forEach(function (field) {
      var container = field.closest(".select2-container");
      var select = container ? container.previousElementSibling : null;
      var text = labelFor(select);
      if (text) {
        field.setAttribute("aria-label", text);
      }
    });
  }

  function start() {
    labelSearchFields(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) {
            labelSearchFields(node.parentNode || node);
          }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
