// Types of bundle-gradients.mjs, for the test that checks the committed bundle is current.
/** Absolute path of the committed bundle, vendor/tfjs-gradients.js. */
export declare const GRADIENTS_BUNDLE: string;
/** Bundles the installed tfjs-core's gradient registrations; resolves to the module's text. */
export declare function bundleGradients(): Promise<string>;
