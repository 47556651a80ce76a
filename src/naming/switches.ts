import { InvalidArgument } from '../core/errors';

type SwitchValue = boolean | number | string | object;

/**
 * Runtime naming switches (`/operator/switches`, Nacos `SwitchDomain`), in memory. Only the
 * switches this server acts on are writable; the rest are reported for compatibility.
 */
export class NamingSwitches {
  private readonly values: Record<string, SwitchValue>;

  constructor(init: {
    pushEnabled: boolean;
    healthCheckEnabled: boolean;
    defaultInstanceEphemeral: boolean;
  }) {
    this.values = {
      name: '00-00---000-NACOS_SWITCH_ROOT---000-00-00',
      masters: '',
      adWeightMap: '',
      defaultPushCacheMillis: 10000,
      clientBeatInterval: 5000,
      defaultCacheMillis: 3000,
      distroThreshold: 0.7,
      healthCheckEnabled: init.healthCheckEnabled,
      autoChangeHealthCheckEnabled: true,
      distroEnabled: true,
      enableStandalone: true,
      pushEnabled: init.pushEnabled,
      checkTimes: 3,
      httpHealthParams: { max: 5000, min: 500, factor: 0.85 },
      tcpHealthParams: { max: 5000, min: 1000, factor: 0.75 },
      mysqlHealthParams: { max: 3000, min: 2000, factor: 0.65 },
      incrementalList: [],
      serverStatusSynchronizationPeriodMillis: 2000,
      serviceStatusSynchronizationPeriodMillis: 5000,
      disableAddIP: false,
      sendBeatOnly: false,
      lightBeatEnabled: true,
      limitedUrlMap: {},
      distroServerExpiredMillis: 10000,
      pushGoVersion: '0.1.0',
      pushJavaVersion: '0.1.0',
      pushPythonVersion: '0.4.3',
      pushCVersion: '1.0.12',
      pushCSharpVersion: '0.9.0',
      enableAuthentication: false,
      overriddenServerStatus: '',
      defaultInstanceEphemeral: init.defaultInstanceEphemeral,
      healthCheckWhiteList: [],
      checksum: '',
    } as Record<string, SwitchValue>;
  }

  get(key: string): SwitchValue | undefined {
    return this.values[key];
  }

  /** `PUT /operator/switches?entry=&value=`; unknown entries and bad values ⇒ 400. */
  set(entry: string, value: string): void {
    const cur = this.values[entry];
    if (cur === undefined || entry === 'name' || typeof cur === 'object')
      throw new InvalidArgument(`update entry not found: ${entry}`, 20002);
    if (typeof cur === 'boolean') {
      if (!/^(true|false)$/i.test(value))
        throw new InvalidArgument(`illegal value for ${entry}: ${value}`, 20002);
      this.values[entry] = value.toLowerCase() === 'true';
    } else if (typeof cur === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new InvalidArgument(`illegal value for ${entry}: ${value}`, 20002);
      this.values[entry] = n;
    } else this.values[entry] = value;
  }

  json(): Record<string, unknown> {
    return { ...this.values };
  }
}
