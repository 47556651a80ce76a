import { AlreadyExists, InvalidArgument, NacosCode, NotFound } from '../core/errors';

export class IllegalNamespace extends InvalidArgument {
  constructor(message: string) {
    super(message, NacosCode.ILLEGAL_NAMESPACE);
  }
}
export class NamespaceNotFound extends NotFound {
  constructor(id: string) {
    super(`namespaceId [ ${id} ] not exist`, NacosCode.NAMESPACE_NOT_EXIST);
  }
}
export class NamespaceAlreadyExists extends AlreadyExists {
  constructor(id: string, isDefault = false) {
    super(
      isDefault
        ? `namespaceId [${id}] is default namespace id and already exist.`
        : `namespaceId [${id}] already exist.`,
      NacosCode.NAMESPACE_ALREADY_EXIST,
    );
  }
}
