/**
 * The kubectl battery on the embedded SQLite store.
 */
import { kubectlSuite } from './kubectl-suite.js';

kubectlSuite('sqlite', async () => ({ opts: {} }));
