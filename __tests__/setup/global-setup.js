// Jest globalSetup: everything the suites need before any worker starts.
'use strict';
const buildDist = require('./build-dist');
const reliabilitySetup = require('../reliability/global-setup.cjs');

module.exports = async function globalSetup() {
  buildDist();
  await reliabilitySetup();
};
