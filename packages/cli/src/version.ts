// The CLI's version, kept in one place for `vlp --version` and the package entry.

/**
 * @example
 * ```ts
 * import { VERSION } from '@vlp/cli';
 * ```
 */
export const VERSION = '0.1.0';
