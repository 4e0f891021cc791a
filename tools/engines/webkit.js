// Lays out one XHTML document in WebKitGTK (the engine of Apple Books, Foliate, Kobo's newer
// readers) and prints what a measuring script returns, as JSON on stdout.
//
//   xvfb-run -a gjs tools/engines/webkit.js DOCUMENT WIDTH SCRIPT [SCREENSHOT.png]
//
// DOCUMENT is loaded from disk in an offscreen WebView WIDTH px wide; once its web fonts are
// loaded, SCRIPT (JavaScript whose last expression is the result) runs in the page and its
// result is printed with JSON.stringify. With SCREENSHOT, the whole document is saved as a PNG.
// Exit status 0 on success, 1 on a load or script error (the message on stderr).

imports.gi.versions.Gtk = "3.0";
imports.gi.versions.WebKit2 = "4.0";
const { Gio, GLib, Gtk, WebKit2 } = imports.gi;

const [documentPath, widthText, scriptPath, screenshot] = ARGV;
if (!documentPath || !widthText || !scriptPath) {
  printerr("usage: gjs webkit.js DOCUMENT WIDTH SCRIPT [SCREENSHOT.png]");
  imports.system.exit(2);
}
const width = parseInt(widthText, 10);
const [, scriptBytes] = GLib.file_get_contents(scriptPath);
const script = new TextDecoder().decode(scriptBytes);
let status = 1;

Gtk.init(null);
const loop = GLib.MainLoop.new(null, false);
const view = new WebKit2.WebView();
const settings = view.get_settings();
settings.set_enable_javascript(true);
settings.set_allow_file_access_from_file_urls(true);
const window = new Gtk.OffscreenWindow();
window.set_default_size(width, 900);
view.set_size_request(width, 900);
window.add(view);
window.show_all();

function fail(message) {
  printerr(`webkit: ${message}`);
  loop.quit();
}

function saveScreenshot(then) {
  if (!screenshot) return then();
  view.get_snapshot(
    WebKit2.SnapshotRegion.FULL_DOCUMENT,
    WebKit2.SnapshotOptions.NONE,
    null,
    (source, result) => {
      try {
        view.get_snapshot_finish(result).writeToPNG(screenshot);
      } catch (e) {
        return fail(`screenshot: ${e.message}`);
      }
      return then();
    },
  );
  return undefined;
}

function measure() {
  // document.fonts.ready first: a measurement taken in a fallback face means nothing.
  const body = `await document.fonts.ready;\n${script}\nreturn JSON.stringify(zhpressMeasure());`;
  view.call_async_javascript_function(body, -1, null, null, null, null, (source, result) => {
    let value;
    try {
      value = view.call_async_javascript_function_finish(result);
    } catch (e) {
      return fail(`script: ${e.message}`);
    }
    print(value.to_string());
    return saveScreenshot(() => {
      status = 0;
      loop.quit();
    });
  });
}

view.connect("load-failed", (_view, _event, uri, error) => {
  fail(`cannot load ${uri}: ${error.message}`);
  return true;
});
view.connect("load-changed", (_view, event) => {
  if (event !== WebKit2.LoadEvent.FINISHED) return;
  try {
    measure();
  } catch (e) {
    fail(e.message);
  }
});
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 60, () => {
  fail("timed out after 60 s");
  return GLib.SOURCE_REMOVE;
});
view.load_uri(Gio.File.new_for_path(documentPath).get_uri());
loop.run();
imports.system.exit(status);
