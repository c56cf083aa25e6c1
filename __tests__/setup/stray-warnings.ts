// Jest setup for every test file: a stevedore-ts warning that no test recorded fails the test that let it through
// (it would otherwise print in the middle of the run's output).
import { failOnStrayWarnings } from '../support/warnings';

failOnStrayWarnings();
