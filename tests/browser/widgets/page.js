// page.js: the widget page of the browser test, bundled with esbuild into
// page.bundle.js. It connects to a Jupyter server with @jupyterlab/services,
// starts the kernel named in the page's URL, and renders the widgets the
// cells display with ipywidgets 8's HTMLManager, whose comms go through
// the kernel (the way JupyterLab's widget manager does it). The test
// (widgets.mjs) drives it through window.gp.
import { ServerConnection, KernelManager } from "@jupyterlab/services";
import { HTMLManager } from "@jupyter-widgets/html-manager";
import { shims } from "@jupyter-widgets/base";
import "@jupyter-widgets/controls/css/widgets.css";

const VIEW = "application/vnd.jupyter.widget-view+json";

class KernelWidgetManager extends HTMLManager {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    kernel.registerCommTarget("jupyter.widget", async (comm, msg) => {
      await this.handle_comm_open(new shims.services.Comm(comm), msg);
    });
  }
  async _create_comm(target, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(target, modelId);
    if (data || metadata) comm.open(data, metadata, buffers);
    return new shims.services.Comm(comm);
  }
  async _get_comm_info() {
    const reply = await this.kernel.requestCommInfo({ target_name: "jupyter.widget" });
    return reply.content.comms;
  }
}

async function start() {
  const q = new URLSearchParams(location.search);
  const settings = ServerConnection.makeSettings({ baseUrl: location.origin + "/", token: q.get("token"), wsUrl: location.origin.replace(/^http/, "ws") + "/" });
  const kernels = new KernelManager({ serverSettings: settings });
  const kernel = await kernels.startNew({ name: q.get("kernel") || "gopherprop" });
  const manager = new KernelWidgetManager(kernel);
  const cells = document.getElementById("cells");

  // run executes code and renders its outputs (widgets, text, errors) in a
  // new cell element; it resolves with the execute_reply content.
  async function run(code) {
    const el = document.createElement("div");
    el.className = "cell";
    cells.appendChild(el);
    const future = kernel.requestExecute({ code });
    const pending = [];
    future.onIOPub = (msg) => {
      const t = msg.header.msg_type;
      const c = msg.content;
      if (t === "execute_result" || t === "display_data") {
        if (c.data[VIEW]) {
          const out = document.createElement("div");
          el.appendChild(out);
          pending.push(manager.get_model(c.data[VIEW].model_id)
            .then((model) => manager.create_view(model))
            .then((view) => manager.display_view(view, out)));
        } else {
          const pre = document.createElement("pre");
          pre.textContent = c.data["text/plain"];
          el.appendChild(pre);
        }
      } else if (t === "stream") {
        const pre = document.createElement("pre");
        pre.textContent = c.text;
        el.appendChild(pre);
      } else if (t === "error") {
        const pre = document.createElement("pre");
        pre.className = "error";
        pre.textContent = c.ename + ": " + c.evalue;
        el.appendChild(pre);
      }
    };
    const reply = await future.done;
    await Promise.all(pending);
    return reply.content;
  }
  window.gp = { kernel, manager, run };
  document.body.dataset.ready = "1";
}

start().catch((e) => {
  document.body.dataset.error = String(e && e.stack || e);
  console.error(e);
});
