// The Mailroom console: the admin API in a page. Credentials stay in this tab (sessionStorage) and
// go with every call as HTTP Basic; nothing here is trusted by the server that the API does not check.
"use strict";
const $ = id => document.getElementById(id);
let auth = sessionStorage.getItem("mailroom-auth");
const selected = new Set();
const samples = [];

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: auth }, body ? { "Content-Type": "application/json" } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 401) { logout(); throw new Error("please log in again"); }
  const text = await response.text();
  const data = text && response.headers.get("Content-Type")?.includes("json") ? JSON.parse(text) : text;
  if (!response.ok) throw new Error(data?.error || response.status + " " + response.statusText);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === "class" ? (e.className = v) : e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const bytes = n => n === 0 ? "—" : n < 1e6 ? (n / 1e3).toFixed(1) + " KB" : n < 1e9 ? (n / 1e6).toFixed(1) + " MB" : (n / 1e9).toFixed(2) + " GB";

async function showNodes() {
  const nodes = await api("GET", "/api/v1/nodes");
  $("nodes").replaceChildren(...nodes.map(n => el("div", { class: "node", "data-node": n.name },
    el("b", {}, n.name + " "), el("span", { class: "state " + n.state }, n.state),
    el("small", {}, n.roles.join(", ") + " · " + n.address),
    el("small", {}, n.roles.includes("store") ? n.accounts + " accounts · " + (n.letters.join("") || "no letters") : ""))));
  const stores = nodes.filter(n => n.roles.includes("store") && n.state === "up").map(n => n.name);
  const target = $("target"), chosen = target.value;
  target.replaceChildren(...stores.map(s => el("option", { value: s }, s)));
  if (stores.includes(chosen)) target.value = chosen;
}

// The database members behind the cluster (none on embedded storage): role, state and lag.
async function showDatabase() {
  const members = await api("GET", "/api/v1/database");
  $("database-card").hidden = members.length === 0;
  $("database").replaceChildren(...members.map(m => el("div", { class: "node", "data-member": m.name },
    el("b", {}, m.name + " "), el("span", { class: "state " + (m.role === "primary" ? "up" : m.role === "standby" ? "draining" : "down") }, m.role),
    el("small", {}, m.address + " · " + m.state),
    el("small", {}, m.role === "standby" ? "lag " + (m.lag_bytes < 0 ? "unknown" : m.lag_bytes + " bytes") : ""))));
}

async function showLetters() {
  const { letters } = await api("GET", "/api/v1/routes");
  $("letters").replaceChildren(...Object.entries(letters).map(([key, store]) => {
    const tile = el("div", { class: "letter" + (selected.has(key) ? " selected" : ""), "data-letter": key, tabindex: "0", role: "button" },
      el("b", {}, key), el("small", { class: "store" }, store));
    const toggle = () => { selected.has(key) ? selected.delete(key) : selected.add(key); tile.classList.toggle("selected"); $("move").disabled = selected.size === 0; };
    tile.addEventListener("click", toggle);
    tile.addEventListener("keydown", e => { if (e.key === " " || e.key === "Enter") { e.preventDefault(); toggle(); } });
    return tile;
  }));
  $("move").disabled = selected.size === 0;
}

async function showAccounts() {
  const q = $("search").value.trim();
  const accounts = await api("GET", "/api/v1/accounts" + (q ? "?search=" + encodeURIComponent(q) : ""));
  const { letters, accounts: routed } = await api("GET", "/api/v1/routes");
  $("accounts").replaceChildren(...accounts.slice(0, 200).map(a => {
    const first = a.address[0].toLowerCase(), key = first >= "a" && first <= "z" ? first : "0";
    const home = routed[a.address] || letters[key];
    const stores = [...$("target").options].map(o => o.value).filter(s => s !== home);
    const to = el("select", { "aria-label": "Store for " + a.address, "data-account": a.address },
      el("option", { value: "" }, "move to…"), ...stores.map(s => el("option", { value: s }, s)),
      ...(routed[a.address] ? [el("option", { value: "letter" }, "back to its letter")] : []));
    to.onchange = () => to.value && api("POST", "/api/v1/routes/move", { account: a.address, to: to.value })
      .then(() => { $("letters-status").textContent = a.address + " → " + to.value; return showAccounts(); })
      .catch(e => { $("letters-status").textContent = e.message; });
    const away = el("button", { class: "quiet", "data-vacation": a.address }, "Out of office…");
    away.onclick = () => { $("vacation-account").value = a.address; showVacation(); $("vacation-card").scrollIntoView(); };
    return el("tr", {}, el("td", {}, a.address), el("td", {}, bytes(a.usedBytes)), el("td", {}, bytes(a.quotaBytes)),
      el("td", { class: "home" }, home + (a.admin ? " · admin" : "")), el("td", {}, to, " ", away));
  }));
}

async function showQueue() {
  const queue = await api("GET", "/api/v1/queue");
  $("queue-empty").hidden = queue.length > 0;
  $("queue").replaceChildren(...queue.map(q => {
    const retry = el("button", { class: "quiet" }, "Retry"), drop = el("button", { class: "quiet" }, "Delete");
    retry.onclick = () => api("POST", "/api/v1/queue/" + q.id + "/retry").then(showQueue).catch(alert);
    drop.onclick = () => confirm("Delete message " + q.id + " without delivering it?") && api("DELETE", "/api/v1/queue/" + q.id).then(showQueue).catch(alert);
    return el("tr", {}, el("td", {}, q.id), el("td", {}, q.sender || "<>"),
      el("td", {}, q.recipients.map(r => r.address + " (" + r.state.toLowerCase() + (r.lastError ? ": " + r.lastError : "") + ")").join(", ")),
      el("td", {}, retry, " ", drop));
  }));
}

// Networks blocked for failed logins, cluster-wide (login throttling); Unblock also forgets their failures.
async function showBlocked() {
  const blocks = await api("GET", "/api/v1/security/blocked");
  $("blocked-empty").hidden = blocks.length > 0;
  $("blocked").replaceChildren(...blocks.map(b => {
    const lift = el("button", { class: "quiet" }, "Unblock");
    lift.onclick = () => api("DELETE", "/api/v1/security/blocked/" + encodeURIComponent(b.network.replace("/64", ""))).then(showBlocked).catch(alert);
    return el("tr", { "data-network": b.network }, el("td", {}, b.network), el("td", {}, new Date(b.until).toLocaleString()),
      el("td", {}, b.failures), el("td", {}, b.lastLogin + " (" + b.lastProtocol + ")"), el("td", {}, lift));
  }));
}

async function showImports() {
  const jobs = await api("GET", "/api/v1/jobs");
  $("imports-empty").hidden = jobs.length > 0;
  $("imports").replaceChildren(...jobs.map(j => {
    // An mbox's total is known only at its end: until then the bar has no end either; a finished job's is full.
    const max = j.total > 0 ? j.total : j.state === "finished" ? Math.max(j.done, 1) : 0;
    const bar = el("progress", max > 0 ? { max, value: j.state === "finished" ? max : j.done } : {});
    const counts = j.done + (j.total >= 0 ? " / " + j.total : "") + " messages · " + bytes(j.bytes) + " · " + j.messagesPerSecond + "/s"
      + (j.failed ? " · " + j.failed + " failed" : "");
    return el("tr", { "data-job": j.id }, el("td", {}, j.account), el("td", {}, j.source), el("td", {}, bar, " ", el("small", {}, counts)),
      el("td", { title: (j.problems || []).join("\n") || j.error || "" }, j.state));
  }));
}

// The out-of-office form: one account's reply, read from and written to /api/v1/accounts/ADDRESS/vacation.
const vacationPath = () => "/api/v1/accounts/" + encodeURIComponent($("vacation-account").value.trim()) + "/vacation";

async function showVacation() {
  try {
    const v = await api("GET", vacationPath());
    $("vacation-from").value = v.from || ""; $("vacation-until").value = v.until || "";
    $("vacation-subject").value = v.subject || ""; $("vacation-days").value = v.days; $("vacation-body").value = v.body;
    $("vacation-status").textContent = (v.answering_today ? "Answering now" : "Set, not answering today") + (v.keeps ? "; rules kept: " + v.keeps : "") + ".";
  } catch (e) {
    $("vacation-status").textContent = e.message === "no out-of-office" ? "No out of office is set." : e.message;
  }
}

$("vacation-load").onclick = showVacation;
$("vacation-form").addEventListener("submit", async e => {
  e.preventDefault();
  try {
    await api("PUT", vacationPath(), { from: $("vacation-from").value || null, until: $("vacation-until").value || null,
      subject: $("vacation-subject").value, days: Number($("vacation-days").value) || 7, body: $("vacation-body").value });
    await showVacation();
  } catch (err) {
    $("vacation-status").textContent = err.message;
  }
});
$("vacation-off").onclick = () => api("DELETE", vacationPath())
  .then(() => { $("vacation-status").textContent = "Out of office ended."; })
  .catch(e => { $("vacation-status").textContent = e.message; });

// The sharing card: an account's mailbox lists (/api/v1/accounts/ADDRESS/shares) and the groups (/api/v1/groups).
const sharesPath = () => "/api/v1/accounts/" + encodeURIComponent($("sharing-account").value.trim()) + "/shares";
const sharingStatus = text => { $("sharing-status").textContent = text; };

async function showShares() {
  try {
    const shares = await api("GET", sharesPath());
    $("shares").replaceChildren(...shares.map(g => el("tr", {}, el("td", {}, g.mailbox), el("td", {}, g.with), el("td", {}, el("code", {}, g.rights)))));
    if (!shares.length) sharingStatus("Nothing of this account is shared."); // else what was just done stays said
  } catch (e) { sharingStatus(e.message); }
}

async function showGroups() {
  const groups = await api("GET", "/api/v1/groups");
  $("groups").replaceChildren(...Object.entries(groups).map(([name, members]) => {
    const drop = el("button", { class: "quiet", "data-group": name }, "Delete");
    drop.onclick = () => api("DELETE", "/api/v1/groups/" + encodeURIComponent(name)).then(showGroups).catch(e => sharingStatus(e.message));
    return el("tr", {}, el("td", {}, "$" + name), el("td", {}, members.join(", ")), el("td", {}, drop));
  }));
}

$("sharing-load").onclick = showShares;
$("sharing-form").addEventListener("submit", async e => {
  e.preventDefault();
  try {
    const r = await api("PUT", sharesPath(), { mailbox: $("sharing-mailbox").value.trim() || "INBOX", with: $("sharing-with").value.trim(), rights: $("sharing-rights").value.trim() });
    sharingStatus(r.with + (r.rights ? " may " + r.rights : " has no rights") + " in " + r.mailbox + ".");
    await showShares();
  } catch (err) { sharingStatus(err.message); }
});
$("group-form").addEventListener("submit", async e => {
  e.preventDefault();
  const member = $("group-member").value.trim();
  try {
    await api("PUT", "/api/v1/groups/" + encodeURIComponent($("group-name").value.trim()), { members: member ? [member] : [] });
    await showGroups();
  } catch (err) { sharingStatus(err.message); }
});

// Deliveries per second and mean delivery latency, from two scrapes of /metrics five seconds apart.
function metric(text, name) {
  let sum = 0;
  for (const line of text.split("\n")) if (line.startsWith(name)) sum += parseFloat(line.slice(line.lastIndexOf(" ") + 1)) || 0;
  return sum;
}

async function sampleTraffic() {
  const text = await (await fetch("/metrics")).text();
  const now = { t: Date.now(), delivered: metric(text, 'mailroom_deliveries_total{result="delivered"'),
    latencySum: metric(text, "mailroom_delivery_latency_seconds_sum"), latencyCount: metric(text, "mailroom_delivery_latency_seconds_count") };
  const last = samples.at(-1);
  samples.push(now);
  if (samples.length > 61) samples.shift();
  if (!last) return;
  const seconds = (now.t - last.t) / 1000, count = now.latencyCount - last.latencyCount;
  now.rate = (now.delivered - last.delivered) / seconds;
  now.latency = count > 0 ? (now.latencySum - last.latencySum) / count * 1000 : 0;
  $("traffic").textContent = now.rate.toFixed(1) + " deliveries/s (blue) · mean delivery latency " + now.latency.toFixed(0) + " ms (orange)";
  drawChart();
}

function drawChart() {
  const canvas = $("chart"), g = canvas.getContext("2d"), points = samples.filter(s => s.rate !== undefined);
  g.clearRect(0, 0, canvas.width, canvas.height);
  // Two lines, each on its own scale: deliveries per second (blue) and mean latency (orange).
  for (const [field, colour] of [["rate", "#2f6fed"], ["latency", "#f79009"]]) {
    const max = Math.max(1, ...points.map(p => p[field]));
    g.strokeStyle = colour; g.lineWidth = 2; g.beginPath();
    points.forEach((p, i) => {
      const x = i * canvas.width / 60, y = canvas.height - 10 - p[field] / max * (canvas.height - 20);
      i ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
  }
}

async function refresh() {
  try {
    await Promise.all([showNodes(), showDatabase(), showLetters(), showQueue(), showImports(), showBlocked(), showGroups()]);
  } catch (e) {
    $("letters-status").textContent = e.message;
  }
}

function logout() {
  auth = null;
  sessionStorage.removeItem("mailroom-auth");
  $("app").hidden = true; $("logout").hidden = true; $("login").hidden = false; $("who").textContent = "";
}

async function start() {
  $("login").hidden = true; $("app").hidden = false; $("logout").hidden = false;
  $("who").textContent = atob(auth.slice(6)).split(":")[0];
  await refresh();
  await showAccounts(); // after refresh: the move menus list the stores
  sampleTraffic();
  setInterval(refresh, 5000);
  setInterval(sampleTraffic, 5000);
}

$("login").addEventListener("submit", async e => {
  e.preventDefault();
  auth = "Basic " + btoa(unescape(encodeURIComponent($("user").value + ":" + $("password").value)));
  try {
    await api("GET", "/api/v1/domains");
    sessionStorage.setItem("mailroom-auth", auth);
    $("login-error").textContent = "";
    start();
  } catch (err) {
    auth = null;
    $("login-error").textContent = "That did not work: " + err.message;
  }
});
$("logout").onclick = logout;
$("search").addEventListener("input", () => showAccounts().catch(() => {}));
$("move").onclick = async () => {
  const letters = [...selected].join(","), to = $("target").value;
  try {
    await api("POST", "/api/v1/routes/move", { letters, to });
    $("letters-status").textContent = "mail" + [...selected].join(", mail") + " → " + to + "; DNS follows within a second.";
    selected.clear();
    await refresh();
  } catch (e) {
    $("letters-status").textContent = e.message;
  }
};
$("rebalance").onclick = async () => {
  try {
    const { moves } = await api("POST", "/api/v1/routes/rebalance");
    const n = Object.keys(moves).length;
    $("letters-status").textContent = n ? "Moved " + Object.entries(moves).map(([k, s]) => "mail" + k + " → " + s).join(", ") : "Already balanced.";
    await refresh();
  } catch (e) {
    $("letters-status").textContent = e.message;
  }
};
if (auth) start(); else logout();
