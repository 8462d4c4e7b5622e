import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// Debian's buildah, on the image test's own storage: the one test/image/setup keeps under
// ${XDG_CACHE_HOME:-~/.cache}/cody-batch/image/storage, where the base image (or its stand-in) and
// the build's layer cache live between runs. Nothing here touches the machine's other images.

const run = promisify(execFile);

export const IMAGE_CACHE = path.join(
  process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
  'cody-batch',
  'image',
);
const STORAGE = path.join(IMAGE_CACHE, 'storage');

/** Runs buildah on the test's storage; returns stdout. */
export async function buildah(...args: string[]): Promise<string> {
  const storage = ['--root', path.join(STORAGE, 'root'), '--runroot', path.join(STORAGE, 'run')];
  try {
    const { stdout } = await run('buildah', [...storage, '--storage-driver', 'overlay', ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    // A failed RUN step prints its output on stdout: the end of both says what went wrong.
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    const tail = `${stdout ?? ''}\n${stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`buildah ${args.join(' ')} failed: ${tail || message}`);
  }
}

/** What an image says about how to run it (OCI image config). */
export interface ImageConfig {
  user: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
}

export interface ImageFacts {
  id: string;
  config: ImageConfig;
  /** Its layers, base first: digest and size in bytes (uncompressed, as the local storage keeps them). */
  layers: { digest: string; size: number }[];
  /** Bytes of all its layers. */
  size: number;
  annotations: Record<string, string>;
  /** What built each step (`created_by`), for a look at the build's commands. */
  history: string[];
}

export async function inspectImage(name: string): Promise<ImageFacts> {
  const facts = JSON.parse(await buildah('inspect', '--type', 'image', name)) as {
    FromImageID: string;
    Manifest: string;
    OCIv1: {
      config?: { User?: string; Env?: string[]; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string };
      history?: { created_by?: string }[];
    };
  };
  const manifest = JSON.parse(facts.Manifest) as {
    layers: { digest: string; size: number }[];
    annotations?: Record<string, string>;
  };
  const config = facts.OCIv1.config ?? {};
  const env: Record<string, string> = {};
  for (const entry of config.Env ?? []) {
    const equals = entry.indexOf('=');
    env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  const layers = manifest.layers.map(({ digest, size }) => ({ digest, size }));
  return {
    id: facts.FromImageID,
    config: {
      user: config.User ?? '',
      env,
      entrypoint: config.Entrypoint ?? [],
      cmd: config.Cmd ?? [],
      workingDir: config.WorkingDir || '/',
    },
    layers,
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    annotations: manifest.annotations ?? {},
    history: (facts.OCIv1.history ?? []).map((entry) => entry.created_by ?? ''),
  };
}

/** A working container of `image`, its root folder mounted on this machine. */
export async function mountContainer(image: string): Promise<{ id: string; root: string }> {
  const id = (await buildah('from', '--pull=never', '--quiet', image)).trim();
  try {
    return { id, root: (await buildah('mount', id)).trim() };
  } catch (error) {
    await buildah('rm', id).catch(() => undefined);
    throw error;
  }
}

export async function removeContainer(id: string): Promise<void> {
  await buildah('umount', id).catch(() => undefined);
  await buildah('rm', id);
}

/**
 * Removes unnamed images that are no step of `current`'s build and are over an hour old: what
 * earlier runs left (each run's bundle makes a new last layer), never what a run going on beside
 * this one is making. The layer cache this build used stays: its steps hold a prefix of its layers.
 */
export async function removeStaleImages(current: ImageFacts): Promise<number> {
  const images = JSON.parse(await buildah('images', '--all', '--json', '--no-trunc')) as {
    id: string;
    names: string[] | null;
    created: number;
  }[];
  const hourAgo = Date.now() / 1000 - 3600;
  let removed = 0;
  for (const image of images.filter((entry) => !entry.names?.length && entry.created < hourAgo)) {
    const facts = await inspectImage(image.id).catch(() => undefined);
    if (!facts || facts.layers.every((layer, index) => current.layers[index]?.digest === layer.digest)) continue;
    await buildah('rmi', image.id).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}
