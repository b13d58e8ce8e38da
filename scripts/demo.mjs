// `npm start`: a tour of @devicehook/core. For each vendor it signs a sample alert the way the vendor
// does, verifies it, shows the normalized event, then shows what a tampered and an unsigned copy get.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { sign, verify, vendors, vendorIds } = require('../shared');

const secretOf = (id) => (id === 'standard-webhooks' ? 'whsec_ZGVtby1zZWNyZXQtZGVtby1zZWNyZXQ=' : 'demo-secret');

for (const id of vendorIds) {
  const profile = vendors[id];
  const [type, sample] = Object.entries(profile.samples)[0];
  const secret = secretOf(id);
  const { body, headers } = sign({ vendor: id, body: sample, secret });
  const good = verify({ vendor: id, rawBody: body, headers, secrets: secret });
  const tampered = verify({ vendor: id, rawBody: Buffer.from(body.toString().replace(/"(\w+)":/, '"$1_x":')), headers, secrets: secret });
  // The plain sample, without any signature (EdgeSense also carries one inside its body).
  const unsigned = verify({ vendor: id, rawBody: JSON.stringify(sample), headers: { 'content-type': 'application/json' }, secrets: secret });

  console.log(`\n${profile.label} — ${profile.scheme.description}`);
  console.log(`  sent ${body.length} bytes as "${type}" with ${Object.keys(headers).filter((h) => h !== 'Content-Type').join(', ')}`);
  if (good.ok) {
    const { vendor, type: t, typeLabel, id: eventId, occurredAt, device, message } = good.event;
    console.log('  verified →', JSON.stringify({ vendor, type: t, typeLabel, id: eventId, occurredAt, device, message }));
  } else {
    console.log('  UNEXPECTED refusal:', good.message);
    process.exitCode = 1;
  }
  const bodyNote = id === '1nce' ? ' (1NCE signs no body: only its static header authenticates the request)' : '';
  console.log(`  tampered → ${tampered.ok ? 'accepted' : `${tampered.status} ${tampered.code}`}${bodyNote}`);
  console.log(`  unsigned → ${unsigned.ok ? 'accepted' : `${unsigned.status} ${unsigned.code}: ${unsigned.message}`}`);
}
