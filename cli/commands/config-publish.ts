import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { failOn } from '../client';
import { CliError, EXIT } from '../exit-codes';
import { type Io, printJson } from '../io';
import { type ConfigCliOptions, clientFor, nsParam, withConfigOptions } from './config-common';

interface PublishOptions extends ConfigCliOptions {
  file?: string;
  type?: string;
  casMd5?: string;
  desc?: string;
  tags?: string;
}

/**
 * `batata config publish <dataId> [content]`: content from the argument, `--file <path>` or stdin
 * (`--file -`, or no content argument with piped input).
 */
export function registerConfigPublish(config: Command, io: Io) {
  withConfigOptions(config.command('publish <dataId> [content]').description('create or update a config'))
    .option('-f, --file <path>', 'read the content from a file (- for stdin)')
    .option('-t, --type <type>', 'properties, xml, json, text, html, yaml or toml')
    .option('--cas-md5 <md5>', 'only publish if the current content has this md5')
    .option('--desc <text>', 'description')
    .option('--tags <list>', 'comma-separated config tags')
    .action(async (dataId: string, content: string | undefined, o: PublishOptions) => {
      let body = content;
      if (body !== undefined && o.file)
        throw new CliError('give the content either as an argument or with --file', EXIT.USAGE);
      if (o.file === '-' || (body === undefined && !o.file)) body = await io.stdin();
      else if (o.file) {
        try {
          body = readFileSync(o.file, 'utf8');
        } catch (e) {
          throw new CliError(`cannot read ${o.file}: ${(e as Error).message}`, EXIT.USAGE);
        }
      }
      if (!body || body.trim() === '') throw new CliError('content is empty', EXIT.USAGE);
      const res = await clientFor(o, io).raw(
        'POST',
        '/nacos/v3/admin/cs/config',
        {},
        {
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(o.casMd5 ? { casMd5: o.casMd5 } : {}),
          },
          body: new URLSearchParams(
            Object.entries({
              dataId,
              groupName: o.group,
              namespaceId: nsParam(o),
              content: body,
              type: o.type,
              desc: o.desc,
              configTags: o.tags,
            }).filter((e): e is [string, string] => e[1] !== undefined),
          ).toString(),
        },
      );
      failOn(res, `publish ${dataId}`);
      if (o.json)
        printJson(io, { dataId, group: o.group, namespace: o.namespace ?? 'public', published: true });
      else io.out(`published ${o.group}/${dataId}`);
    });
}
