// The staff shell's loading screen (a classic script: it runs before the modules load).
// After a few seconds it says the network is slow; if the shell's modules fail to load
// it says so and offers a reload. shell.js removes the screen once the shell is up.
(() => {
  const show = (id, on) => {
    const node = document.getElementById(id);
    if (node) node.hidden = !on;
  };
  const slow = setTimeout(() => show("splash-slow", true), 4000);
  const failed = () => {
    clearTimeout(slow);
    show("splash-slow", false);
    show("splash-failed", true);
  };
  // a module (or one it imports) that can't be fetched or parsed: its script element errors
  window.addEventListener("error", (event) => {
    if (event.target && event.target.tagName === "SCRIPT") failed();
  }, true);
  window.hubShell = { loaded: () => clearTimeout(slow), failed };
})();
