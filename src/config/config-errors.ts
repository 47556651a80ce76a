import { Conflict, NacosCode, NotFound } from '../core/errors';

/** `config data not exist` (v1 404 body adds a newline; v2/v3 20004). */
export class ConfigNotFound extends NotFound {
  constructor(message = 'config data not exist') {
    super(message, NacosCode.RESOURCE_NOT_FOUND);
  }
}

/** casMd5 did not match the stored md5. */
export class ConfigCasMismatch extends Conflict {
  constructor() {
    super('Cas publish fail, server md5 may have changed.', NacosCode.RESOURCE_CONFLICT);
  }
}

export class HistoryNotFound extends NotFound {
  constructor(nid: number | string) {
    super(`history config not exist: ${nid}`, NacosCode.RESOURCE_NOT_FOUND);
  }
}
