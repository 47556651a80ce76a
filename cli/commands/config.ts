import type { Command } from 'commander';
import type { Io } from '../io';
import { registerConfigDelete } from './config-delete';
import { registerConfigGet } from './config-get';
import { registerConfigHistory } from './config-history';
import { registerConfigList } from './config-list';
import { registerConfigPublish } from './config-publish';

/** `batata config get|publish|delete|list|history` against a running node. */
export function registerConfig(program: Command, io: Io) {
  const config = program.command('config').description('read and change configs on a running server');
  registerConfigGet(config, io);
  registerConfigPublish(config, io);
  registerConfigDelete(config, io);
  registerConfigList(config, io);
  registerConfigHistory(config, io);
}
