// s3rver_run.js -- start s3rver (npm) on 127.0.0.1 with an ephemeral port,
// buckets created up front, and print "port N" once listening (what
// ms_test_peer_start waits for). S3RVER_PORT=N listens on that port instead
// (a test restarting the server where its clients expect it).
// usage: node s3rver_run.js NODE_MODULES_DIR DATA_DIR BUCKET...
'use strict';
const path = require('path');
const [modules, dir, ...buckets] = process.argv.slice(2);
const S3rver = require(path.join(modules, 's3rver'));
new S3rver({
  address: '127.0.0.1',
  port: Number(process.env.S3RVER_PORT || 0),
  silent: true,
  directory: dir,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
}).run().then((addr) => {
  process.stdout.write(`port ${addr.port}\n`);
  // Leave with the test that started us, even when it could not stop us.
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();
  setInterval(() => {}, 1 << 30);
}, (err) => {
  process.stderr.write(`s3rver: ${err}\n`);
  process.exit(1);
});
