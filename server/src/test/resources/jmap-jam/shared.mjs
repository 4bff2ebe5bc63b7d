// A reader in another account's shared mailbox with jmap-jam (an independent client), driven by
// JmapClientsTest. Usage: node shared.mjs SESSION_URL TOKEN; prints one JSON line per step.
import { JamClient } from "jmap-jam";

const [sessionUrl, token] = process.argv.slice(2);
const jam = new JamClient({ sessionUrl, bearerToken: token });
const say = (step, data) => console.log(JSON.stringify({ step, ...data }));

const session = await jam.session;
const own = await jam.getPrimaryAccount();
const [accountId, shared] = Object.entries(session.accounts).find(([, a]) => !a.isPersonal);
say("accounts", { name: shared.name, readOnly: shared.isReadOnly, count: Object.keys(session.accounts).length });

const [boxes] = await jam.api.Mailbox.get({ accountId });
say("mailboxes", { names: boxes.list.map((m) => m.name), rights: boxes.list[0].myRights });

const [query] = await jam.api.Email.query({ accountId, sort: [{ property: "receivedAt", isAscending: true }] });
const [emails] = await jam.api.Email.get({ accountId, ids: query.ids, properties: ["subject", "keywords"] });
say("emails", { subjects: emails.list.map((e) => e.subject) });

const first = query.ids[0];
const [seen] = await jam.api.Email.set({ accountId, update: { [first]: { "keywords/$seen": true } } });
const [flag] = await jam.api.Email.set({ accountId, update: { [first]: { "keywords/$flagged": true } } });
say("keywords", { seen: Object.keys(seen.updated ?? {}), flagRefused: flag.notUpdated?.[first]?.type });

const [ownBoxes] = await jam.api.Mailbox.get({ accountId: own });
const inbox = ownBoxes.list.find((m) => m.role === "inbox").id;
const [copied] = await jam.api.Email.copy({ fromAccountId: accountId, accountId: own, create: { c: { id: first, mailboxIds: { [inbox]: true } } } });
const [mine] = await jam.api.Email.query({ accountId: own, filter: { inMailbox: inbox } });
say("copied", { created: Object.keys(copied.created ?? {}), inOwnInbox: mine.ids.length });
