import type { SettingSpec } from '../settings/setting-spec';

/** Settings of the web console (port and context path are core settings: `nacos.console.*`). */
export const consoleSettings: SettingSpec[] = [
  {
    key: 'nacos.console.ui.enabled',
    type: 'bool',
    default: true,
    doc: 'Serve the web UI on the console port (the /v3/console API is served either way).',
  },
  {
    key: 'nacos.console.remote.server.address',
    type: 'string',
    default: '',
    env: ['BATATA_CONSOLE_REMOTE_SERVER'],
    doc: 'deployment.type=console only: base URL of the server the console talks to, e.g. `http://10.0.0.5:8848`.',
  },
  {
    key: 'nacos.console.remote.server.context-path',
    type: 'string',
    default: '/nacos',
    doc: 'deployment.type=console only: Nacos context path of the remote server.',
  },
  {
    key: 'nacos.console.remote.server.timeout-ms',
    type: 'int',
    default: 10000,
    min: 100,
    max: 600000,
    doc: 'deployment.type=console only: timeout of one proxied request to the remote server.',
  },
];
