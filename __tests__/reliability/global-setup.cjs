// Gives the test workers a folder to record reliability outcomes in (see record.ts).
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  process.env.STEVEDORE_RELIABILITY_DIR = mkdtempSync(path.join(os.tmpdir(), 'stevedore-reliability-'));
};
