// A JMAP session with jmap-jam (an independent client), driven by JmapClientsTest.
// Usage: node client.mjs SESSION_URL TOKEN; prints one JSON line per step.
import { JamClient } from "jmap-jam";

const [sessionUrl, token] = process.argv.slice(2);
const jam = new JamClient({ sessionUrl, bearerToken: token });
const say = (step, data) => console.log(JSON.stringify({ step, ...data }));

const accountId = await jam.getPrimaryAccount();
const [boxes] = await jam.api.Mailbox.get({ accountId });
const role = (r) => boxes.list.find((m) => m.role === r).id;
say("mailboxes", { names: boxes.list.map((m) => m.name) });

const [query] = await jam.api.Email.query({ accountId, filter: { inMailbox: role("inbox") }, sort: [{ property: "receivedAt", isAscending: false }] });
const [emails] = await jam.api.Email.get({ accountId, ids: query.ids, properties: ["subject", "from", "keywords", "preview"] });
say("inbox", { subjects: emails.list.map((e) => e.subject) });

// push: read the client's own eventSourceUrl as a stream (Node 20 has no global EventSource for jam's connectEventSource)
const session = await jam.session;
const pushUrl = session.eventSourceUrl.replace("{types}", "*").replace("{closeafter}", "no").replace("{ping}", "0");
const push = await fetch(pushUrl, { headers: { Authorization: `Bearer ${token}` } });
const reader = push.body.getReader();
const decoder = new TextDecoder();
let buffered = "";
async function nextEvent() {
  while (true) {
    const end = buffered.indexOf("\n\n");
    if (end >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (data) return JSON.parse(data.slice(6));
      continue;
    }
    const { value, done } = await reader.read();
    if (done) throw new Error("push stream ended");
    buffered += decoder.decode(value, { stream: true });
  }
}
const initial = await nextEvent();

const first = query.ids[0];
await jam.api.Email.set({ accountId, update: { [first]: { "keywords/$flagged": true } } });
const change = await nextEvent();
say("push", { initialType: initial["@type"], changed: Object.keys(change.changed[accountId]) });

const [flagged] = await jam.api.Email.query({ accountId, filter: { hasKeyword: "$flagged" } });
say("flagged", { count: flagged.ids.length });

const [moved] = await jam.api.Email.set({ accountId, update: { [first]: { mailboxIds: { [role("archive")]: true } } } });
const [archived] = await jam.api.Email.query({ accountId, filter: { inMailbox: role("archive") } });
say("moved", { updated: Object.keys(moved.updated ?? {}), archived: archived.ids.length });

const [identities] = await jam.api.Identity.get({ accountId });
const identityId = identities.list[0].id;
const [results] = await jam.requestMany((t) => {
  const draft = t.Email.set({
    accountId,
    create: { d: { mailboxIds: { [role("drafts")]: true }, keywords: { $draft: true }, from: [{ email: "alice@example.test" }],
      to: [{ email: "bob@example.test" }], subject: "sent by jam", textBody: [{ partId: "1", type: "text/plain" }],
      bodyValues: { 1: { value: "hello from jmap-jam" } } } },
  });
  const submit = t.EmailSubmission.set({
    accountId,
    create: { s: { emailId: "#d", identityId } },
    onSuccessUpdateEmail: { "#s": { [`mailboxIds/${role("sent")}`]: true, [`mailboxIds/${role("drafts")}`]: null, "keywords/$draft": null } },
  });
  return { draft, submit };
});
// jam keys responses by call id, so the implicit Email/set of onSuccessUpdateEmail (same call id,
// after the EmailSubmission/set response) is what it hands back for "submit".
say("sent", { draft: Object.keys(results.draft.created ?? {}), updatedAfterSending: Object.keys(results.submit.updated ?? {}), identity: identities.list[0].email });

// an identity of the account's own, a thread, a copy, and a held submission called back
const [identitySet] = await jam.api.Identity.set({ accountId, create: { w: { name: "Alice at work", email: "alice+work@example.test" } } });
const [identitiesNow] = await jam.api.Identity.get({ accountId });
say("identity", { created: Object.keys(identitySet.created ?? {}), emails: identitiesNow.list.map((i) => i.email) });

const archivedId = archived.ids[0];
const [withThread] = await jam.api.Email.get({ accountId, ids: [archivedId], properties: ["threadId"] });
const [threads] = await jam.api.Thread.get({ accountId, ids: [withThread.list[0].threadId] });
const [copy] = await jam.api.Email.copy({ fromAccountId: accountId, accountId, create: { c: { id: archivedId, mailboxIds: { [role("inbox")]: true } } } });
say("thread", { emailIds: threads.list[0].emailIds, copied: Object.keys(copy.created ?? {}) });

const [held] = await jam.api.EmailSubmission.set({
  accountId,
  create: { h: { emailId: archivedId, identityId, envelope: { mailFrom: { email: "alice@example.test", parameters: { HOLDFOR: "600" } }, rcptTo: [{ email: "bob@example.test" }] } } },
});
const heldId = held.created.h.id;
const [canceled] = await jam.api.EmailSubmission.set({ accountId, update: { [heldId]: { undoStatus: "canceled" } } });
say("held", { undoStatus: held.created.h.undoStatus, canceled: Object.keys(canceled.updated ?? {}) });
await reader.cancel();
process.exit(0);
