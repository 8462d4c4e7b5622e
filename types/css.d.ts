// Webview entry points import their stylesheets; esbuild bundles them into dist/webviews/<view>.css.
declare module '*.css';
