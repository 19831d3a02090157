// emulator_sdk.mjs -- the AWS SDK for JavaScript v3
// (@aws-sdk/client-comprehendmedical) against `medstream emulate`: every
// operation's answer goes through the SDK's own deserialiser, and errors
// must come back as the SDK's modelled exception classes.
//
// usage: node emulator_sdk.mjs --modules DIR --endpoint URL CHECK [--key AKID:SECRET]
//   DIR is an npm --prefix holding node_modules/@aws-sdk/client-comprehendmedical
//   ops       every operation parses; offsets (code points) slice the text
//   errors    oversize / empty -> TextSizeLimitExceededException / InvalidRequestException
//   throttle  (--op DetectPHI:tps=0.01) the second DetectPHI call is a
//             TooManyRequestsException
//   sigv4     (--verify-sigv4 KEY) right key passes, wrong secret refused
// Exits 0 when every check passed, 1 otherwise.
import { createRequire } from 'node:module';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const modules = opt('--modules');
const endpoint = opt('--endpoint');
const key = opt('--key');
const check = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))[0];
if (!modules || !endpoint || !check) {
  console.error('usage: emulator_sdk.mjs --modules DIR --endpoint URL ops|errors|throttle|sigv4');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), 'package.json'));
const cm = require('@aws-sdk/client-comprehendmedical');

const failures = [];
const ok = (cond, what) => {
  if (!cond) {
    failures.push(what);
    console.error('FAIL:', what);
  }
};

const client = (akid = 'AKIDEXAMPLE', secret = 'secret', maxAttempts = 1) =>
  new cm.ComprehendMedicalClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: akid, secretAccessKey: secret },
    maxAttempts,
  });

const OPS = {
  DetectEntitiesV2: [cm.DetectEntitiesV2Command, 20000],
  DetectEntities: [cm.DetectEntitiesCommand, 20000],
  DetectPHI: [cm.DetectPHICommand, 20000],
  InferICD10CM: [cm.InferICD10CMCommand, 10000],
  InferRxNorm: [cm.InferRxNormCommand, 10000],
  InferSNOMEDCT: [cm.InferSNOMEDCTCommand, 10000],
};

const NOTE = 'Patient: Maria Lopez, 67-year-old female. MRN: 12345678. ' +
  'History of hypertension. Denies chest pain. Acute pain in the left knee.\n' +
  'Medications: lisinopril 10 mg po daily, Lipitor 20 mg at bedtime.\n' +
  'Labs: sodium 130 mmol/L. Caf\u00e9 \u2014 \u{1F600} noted.';

async function expectError(fn, cls, what) {
  try {
    await fn();
  } catch (e) {
    ok(e instanceof cls, `${what}: got ${e.name} (${e.message}), want ${cls.name}`);
    return e;
  }
  ok(false, `${what}: no error, want ${cls.name}`);
  return null;
}

function walk(resp) {
  const out = [];
  for (const e of resp.Entities) {
    out.push(e);
    for (const a of e.Attributes ?? []) out.push(a);
  }
  for (const u of resp.UnmappedAttributes ?? []) out.push(u.Attribute);
  return out;
}

async function ops() {
  const c = client();
  const cps = Array.from(NOTE);     // offsets count code points
  for (const [op, [Cmd]] of Object.entries(OPS)) {
    const resp = await c.send(new Cmd({ Text: NOTE }));
    ok(resp.$metadata.httpStatusCode === 200, `${op}: 200`);
    ok(typeof resp.ModelVersion === 'string', `${op}: ModelVersion`);
    ok(Array.isArray(resp.Entities) && resp.Entities.length > 0, `${op}: entities`);
    for (const x of walk(resp)) {
      const t = cps.slice(x.BeginOffset, x.EndOffset).join('');
      ok(t === x.Text, `${op}: [${x.BeginOffset}, ${x.EndOffset}) = ${JSON.stringify(t)} vs ${JSON.stringify(x.Text)}`);
      ok(typeof x.Score === 'number' && x.Score > 0 && x.Score <= 1, `${op}: score`);
    }
    if (op === 'InferRxNorm')
      ok(resp.Entities.some((e) => e.RxNormConcepts?.[0]?.Code === '29046'), `${op}: lisinopril RxCUI`);
    if (op === 'InferICD10CM')
      ok(resp.Entities.some((e) => e.ICD10CMConcepts?.[0]?.Code === 'I10'), `${op}: I10`);
    if (op === 'InferSNOMEDCT') {
      ok(resp.SNOMEDCTDetails?.Edition === 'US', `${op}: SNOMEDCTDetails`);
      ok(resp.Characters?.OriginalTextCharacters === cps.length, `${op}: Characters`);
    }
    if (op === 'DetectPHI')
      ok(resp.Entities.every((e) => e.Category === 'PROTECTED_HEALTH_INFORMATION'), `${op}: PHI only`);
  }
}

async function errors() {
  const c = client();
  for (const [op, [Cmd, limit]] of Object.entries(OPS)) {
    await expectError(() => c.send(new Cmd({ Text: 'a'.repeat(limit + 1) })),
      cm.TextSizeLimitExceededException, `${op} oversize`);
    await expectError(() => c.send(new Cmd({ Text: '' })), cm.InvalidRequestException,
      `${op} empty`);
  }
}

async function throttle() {
  await fetch(`${endpoint}/_emulator/reset`, { method: 'POST' });   // full buckets
  const c = client();
  await c.send(new cm.DetectPHICommand({ Text: 'Seen by Dr. Chen' }));
  const e = await expectError(() => c.send(new cm.DetectPHICommand({ Text: 'Seen by Dr. Chen' })),
    cm.TooManyRequestsException, 'DetectPHI second call');
  if (e) ok(e.$metadata?.httpStatusCode === 429, `throttle status ${e.$metadata?.httpStatusCode}`);
  // the SDK's retry strategy treats it as retryable (a throttle)
  const r = client('AKIDEXAMPLE', 'secret', 2);
  const e2 = await expectError(() => r.send(new cm.DetectPHICommand({ Text: 'x' })),
    cm.TooManyRequestsException, 'DetectPHI with retries');
  if (e2) ok(e2.$metadata?.attempts === 2, `SDK retried the throttle: attempts ${e2.$metadata?.attempts}`);
}

async function sigv4() {
  const [akid, secret] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  const resp = await client(akid, secret).send(new cm.InferRxNormCommand({ Text: 'aspirin 81 mg daily' }));
  ok(resp.Entities[0]?.Text === 'aspirin', 'signed call answered');
  try {
    await client(akid, secret + 'x').send(new cm.DetectPHICommand({ Text: 'x' }));
    ok(false, 'wrong secret accepted');
  } catch (e) {
    ok(e.name === 'InvalidSignatureException', `wrong secret: ${e.name}`);
    ok(e.$metadata?.httpStatusCode === 403, `wrong secret: status ${e.$metadata?.httpStatusCode}`);
  }
}

const checks = { ops, errors, throttle, sigv4 };
if (!checks[check]) {
  console.error(`unknown check ${check}`);
  process.exit(2);
}
console.log(`@aws-sdk/client-comprehendmedical ${require('@aws-sdk/client-comprehendmedical/package.json').version}: ${check}`);
try {
  await checks[check]();
} catch (e) {
  ok(false, `${check}: unexpected ${e.name}: ${e.message}`);
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('ok');
