/** @deeplens/core/testing/node: the golden fixtures read from @deeplens/core's own folder. */
export { GOLDEN_DIR, loadGoldenCase, loadGoldenManifest, nodeGoldenFixtures } from './golden-fixtures-node.js';
