import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { EndpointConfigError } from './errors';

/** A CA bundle is a few kB; the system's whole root store is about 200 kB. */
export const MAX_CA_FILE_BYTES = 1024 * 1024;

/**
 * Reads an extra CA file without ever blocking: the path comes from an account node or, through the device picker,
 * from anyone with editor access. A FIFO, a device (/dev/zero), a directory or a huge file is refused like a missing
 * or non-PEM one, with one text that does not say which (it must not reveal what exists on the host or what it holds).
 */
export async function readCaFile(path: string): Promise<string> {
  let handle: FileHandle | undefined;
  try {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, holding one of libuv's few threads for good.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_CA_FILE_BYTES) throw unusable();
    // One byte more than allowed: a file that grew since the stat is caught too.
    const buffer = Buffer.alloc(Math.min(info.size, MAX_CA_FILE_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_CA_FILE_BYTES) throw unusable();
    const pem = buffer.toString('utf8', 0, length);
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw unusable();
    return pem;
  } catch {
    throw unusable();
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** The same words for every reason, and without the path: a caller learns nothing about the host's files. */
export const CA_FILE_UNUSABLE = 'the extra CA file cannot be used: it must be a readable PEM certificate file of at most 1 MB';

function unusable(): EndpointConfigError {
  return new EndpointConfigError(CA_FILE_UNUSABLE, 'caFile');
}
