/** Where tests find data that lives outside the repository: shared/ sits beside the checkout. */
import { fileURLToPath } from 'node:url';

/** The peer conformance vectors (Ryu/os-ken), `../shared/conformance/ryu` from the repository root. */
export const RYU_VECTORS = fileURLToPath(new URL('../../../shared/conformance/ryu', import.meta.url));
