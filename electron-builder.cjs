/**
 * electron-builder configuration: AppImage + deb (Linux), per-user NSIS (Windows), dmg for x64 and
 * arm64 (macOS). Only the built bundles (dist/), the window icon and the production dependencies go
 * into app.asar; test/build/packaging.test.ts packs a `--linux dir` build offline and checks what
 * ends up inside, and which fuses the executable carries.
 *
 * The file name is one electron-builder looks for by itself (electron-builder.{yml,json,js,cjs,…}), so
 * `npx electron-builder` and the npm scripts (which pass no --config) build the same package.
 *
 * Icons come from one source, build/icon.svg, rendered by scripts/make-icons.mjs (`npm run icons`).
 *
 * @type {import('electron-builder').Configuration}
 */
module.exports = {
  // Publisher identity (appId, linux.maintainer, linux.vendor) are placeholders until there is a
  // publisher. appId is also the macOS bundle id and the Windows AppUserModelID: fix it before the
  // first release and never change it afterwards.
  appId: 'com.bitrix24.deletionmonitor',
  productName: 'Bitrix24 Deletion Monitor',
  copyright: 'Copyright © Bitrix24 Deletion Monitor contributors',
  directories: { output: 'release', buildResources: 'build' },
  // Written into the packaged package.json: Electron on Linux takes its app_id / WM_CLASS from it, so
  // the desktop entry (StartupWMClass) and the running window are associated.
  extraMetadata: { desktopName: 'bitrix24-deletion-monitor.desktop' },

  asar: true,
  // Electron's fuses, flipped in the executable at packaging time: the packaged app is only this app.
  // No ELECTRON_RUN_AS_NODE, no NODE_OPTIONS, no --inspect (each would let anyone who can start the
  // app run other code as it, with its safeStorage access); cookies encrypted at rest; the app is
  // loaded from app.asar only, and the asar's integrity is checked where Electron can (macOS, Windows).
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  },
  // No native dependencies: nothing to rebuild against Electron's headers (which would need a download).
  npmRebuild: false,
  // dist/cli ships too (about 160 KB): the packaging test runs the packed serve/export in plain Node.
  // (The installed app cannot: the RunAsNode fuse below is off.)
  files: [
    'package.json',
    // Linux gives a window no icon unless the app sets one (electron/main/app-paths.ts).
    'build/icons/256x256.png',
    'dist/main/**/*',
    'dist/preload/**/*',
    'dist/renderer/**/*',
    'dist/cli/**/*',
    // Source maps embed the TypeScript sources. Of the dependencies, type declarations, TypeScript
    // sources, their own tests and docs are never loaded at run time (folders are kept whatever their
    // name: debug's code lives in src/, and test/build/packaging.test.ts runs what is packed).
    '!**/*.map',
    '!**/node_modules/**/*.{ts,mts,cts,tsx}',
    '!**/node_modules/**/*.{spec,test}.{js,cjs,mjs}',
    '!**/node_modules/**/*.{md,markdown}',
  ],

  linux: {
    target: ['AppImage', 'deb'],
    icon: 'build/icons',
    category: 'Office',
    executableName: 'bitrix24-deletion-monitor',
    syncDesktopName: true,
    synopsis: 'Records every CRM deletion a Bitrix24 portal reports',
    description: 'Desktop monitor that records every CRM deletion a Bitrix24 portal reports, live, with CSV export.',
    maintainer: 'Bitrix24 Deletion Monitor contributors <noreply@example.invalid>',
    vendor: 'Bitrix24 Deletion Monitor contributors',
    desktop: {
      entry: {
        GenericName: 'Deletion monitor',
        Keywords: 'Bitrix24;CRM;deletion;audit;webhook;',
      },
    },
  },
  // File names without spaces on Linux (the product name still shows in menus and the window).
  appImage: { artifactName: '${name}-${version}-${arch}.${ext}' },
  deb: { artifactName: '${name}_${version}_${arch}.${ext}', packageCategory: 'utils' },

  win: {
    target: [{ target: 'nsis', arch: ['x64'] }],
    icon: 'build/icon.ico',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowElevation: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: 'always',
    createStartMenuShortcut: true,
    shortcutName: 'Bitrix24 Deletion Monitor',
    // The recorded deletions are the user's audit trail: uninstalling keeps them.
    deleteAppDataOnUninstall: false,
    installerIcon: 'build/icon.ico',
    uninstallerIcon: 'build/icon.ico',
    artifactName: '${productName}-Setup-${version}.${ext}',
  },

  mac: {
    target: [{ target: 'dmg', arch: ['x64', 'arm64'] }],
    icon: 'build/icon.icns',
    category: 'public.app-category.business',
    hardenedRuntime: true,
  },
  dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' },

  publish: null,
};
