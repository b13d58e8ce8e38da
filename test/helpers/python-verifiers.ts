/**
 * The vendors' own published verification code, run by python3: InHand's `verify_signature`
 * (docs/vendors.md#inhand-device-manager) and Scalefusion's check (docs/vendors.md#scalefusion, its Ruby sample in Python).
 */
import { execFileSync } from 'node:child_process';

const PYTHON_CHECKER = String.raw`
import base64, hashlib, hmac, json, sys

def inhand_verify_signature(data: dict, signature: str, secret: str):
    # Verbatim from InHand's guide, except that a missing signature is reported instead of accepted.
    payload = json.dumps(data, ensure_ascii=False).encode()
    if not signature:
        return False
    expected_signature = hmac.new(secret.encode('utf-8'), payload, hashlib.sha256).digest()
    expected_signature = base64.b64encode(expected_signature).decode('utf-8')
    return hmac.compare_digest(signature, expected_signature)

def scalefusion_verify(body: bytes, signature: str, secret: str):
    computed = hmac.new(secret.encode('utf-8'), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(computed, signature)

results = []
for case in json.load(sys.stdin):
    body = base64.b64decode(case['body'])
    if case['scheme'] == 'inhand':
        results.append(inhand_verify_signature(json.loads(body.decode('utf-8')), case['signature'], case['secret']))
    else:
        results.append(scalefusion_verify(body, case['signature'], case['secret']))
print(json.dumps(results))
`;

/** One python3 run for a batch of requests; true where the vendor's code accepts the request. */
export function pythonVerdicts(cases: Array<{ scheme: string; body: Buffer; signature: string; secret: string }>): boolean[] {
  const input = JSON.stringify(cases.map((c) => ({ ...c, body: c.body.toString('base64') })));
  return JSON.parse(execFileSync('python3', ['-c', PYTHON_CHECKER], { input, encoding: 'utf8' })) as boolean[];
}
