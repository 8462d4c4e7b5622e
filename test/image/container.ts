import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ImageConfig, inspectImage, mountContainer, removeContainer } from './buildah';

// Runs an image the way a container runtime (Docker, ECS on Fargate) does, with the tools every
// Debian machine has, because `podman run` cannot here (crun's setrlimit is refused):
//  - a working container of the image (buildah from + mount), so what the run writes is thrown away;
//  - its own PID namespace with the entry point as PID 1 (`unshare --pid --fork`) and a /proc of
//    its own, so `kill -1` inside reaches only the container, and when PID 1 exits the kernel kills
//    everything left in it, as a task's end does;
//  - Docker's default capability bounding set (Fargate allows no more), the image's USER (or the
//    job definition's) with its groups from the image's /etc/passwd and /etc/group, its
//    WorkingDir, ENTRYPOINT and CMD, and its ENV with the environment given over it, plus HOME and
//    HOSTNAME as Docker adds them;
//  - /dev, /etc/hosts, /etc/hostname and /etc/resolv.conf written as a runtime provides them.
// What differs from Fargate: the network is this machine's (the loopback fakes are on 127.0.0.1),
// and there is no seccomp profile, memory or CPU limit. A PID 1 killed by a signal shows as exit
// code 1, not 128 + the signal: util-linux's unshare cannot re-raise SIGKILL on itself.

/** Docker's default capabilities, the most a Fargate task gets (it may add only SYS_PTRACE). */
const DEFAULT_CAPABILITIES = [
  'chown',
  'dac_override',
  'fsetid',
  'fowner',
  'mknod',
  'net_raw',
  'setgid',
  'setuid',
  'setfcap',
  'setpcap',
  'net_bind_service',
  'sys_chroot',
  'kill',
  'audit_write',
];

/** Character devices a runtime puts in /dev: name, major, minor. */
const DEVICES: [string, number, number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];

export interface ContainerSpec {
  image: string;
  /** The container's environment beyond the image's ENV, as the orchestrator composes it (definition, overrides). */
  env: Record<string, string>;
  /** Overrides the image's USER (a job definition's `User`). */
  user?: string;
  /** Overrides the image's CMD (a job definition's `Command`). */
  command?: string[];
}

export interface ContainerExit {
  /** As Docker and ECS report it: the exit code, or 128 + the signal that killed PID 1. */
  exitCode: number;
}

export interface RunningContainer {
  /** The host's pid of the container's PID 1. */
  pid: number;
  /** When its working container was made (buildah from and mount), in ms since the epoch. */
  createdAt: number;
  /** When the runtime was started (the container's start), in ms since the epoch. */
  startedAt: number;
  exited: Promise<ContainerExit>;
  /** Everything PID 1 and its children printed (stdout and stderr), as a log driver collects it. */
  output(): string;
  /** Resolves once the output holds a line matching `pattern`; the time it did. */
  waitForOutput(pattern: RegExp): Promise<number>;
  /** Sends a signal to PID 1, as `docker stop` and ECS's StopTask do. */
  signal(signal: NodeJS.Signals): void;
  /** The processes in the container's PID namespace (host pids), with their uid and command line. */
  processes(): Promise<ContainerProcess[]>;
  /** Stops whatever still runs (SIGKILL to PID 1) and removes the working container. */
  remove(): Promise<void>;
}

export interface ContainerProcess {
  pid: number;
  uid: number;
  argv: string[];
}

const configs = new Map<string, Promise<ImageConfig>>();

export async function runContainer(spec: ContainerSpec): Promise<RunningContainer> {
  if (!configs.has(spec.image))
    configs.set(
      spec.image,
      inspectImage(spec.image).then((facts) => facts.config),
    );
  const config = await configs.get(spec.image)!;
  const createdAt = Date.now();
  const { id, root } = await mountContainer(spec.image);
  try {
    await provideRuntimeFiles(root);
    const user = await resolveUser(root, spec.user ?? config.user);
    // As Docker: the image's ENV, then HOSTNAME and HOME, then what the run sets.
    const env: Record<string, string> = { ...config.env, HOSTNAME: os.hostname(), HOME: user.home, ...spec.env };
    const argv = [...config.entrypoint, ...(spec.command ?? config.cmd)];
    const startedAt = Date.now();
    const child = spawn(
      '/usr/bin/unshare',
      [
        '--pid',
        '--fork',
        '--mount',
        '--propagation=private',
        `--mount-proc=${path.join(root, 'proc')}`,
        '--kill-child',
        '--',
        '/usr/bin/setpriv',
        `--bounding-set=-all,${DEFAULT_CAPABILITIES.map((capability) => `+${capability}`).join(',')}`,
        '--',
        '/usr/sbin/chroot',
        `--userspec=${user.uid}:${user.gid}`,
        `--groups=${user.groups.join(',')}`,
        root,
        // The image's env(1) sets the working folder (chroot always starts in /), then execs.
        '/usr/bin/env',
        `--chdir=${config.workingDir}`,
        ...argv,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const waiters: { pattern: RegExp; resolve: (at: number) => void }[] = [];
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const waiter of [...waiters]) {
        if (!waiter.pattern.test(output)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(Date.now());
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<ContainerExit>((resolve) =>
      child.once('exit', (code, signal) =>
        resolve({ exitCode: code ?? 128 + (signal ? os.constants.signals[signal] : 0) }),
      ),
    );
    const pid = await pidOne(child.pid!, exited);
    const namespace = await readlink(`/proc/${pid}/ns/pid`).catch(() => '');
    let removed = false;
    return {
      pid,
      createdAt,
      startedAt,
      exited,
      output: () => output,
      waitForOutput: (pattern) =>
        pattern.test(output)
          ? Promise.resolve(Date.now())
          : new Promise((resolve, reject) => {
              waiters.push({ pattern, resolve });
              void exited.then(() => {
                if (waiters.some((waiter) => waiter.pattern === pattern))
                  reject(new Error(`The container exited before printing ${pattern}:\n${output}`));
              });
            }),
      signal: (signal) => {
        try {
          process.kill(pid, signal);
        } catch {
          // PID 1 is gone: the container has stopped.
        }
      },
      processes: () => processesIn(namespace),
      remove: async () => {
        if (removed) return;
        removed = true;
        if (child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
          await exited;
        }
        await removeContainer(id);
      },
    };
  } catch (error) {
    await removeContainer(id).catch(() => undefined);
    throw error;
  }
}

/** The container's PID 1: the child `unshare --fork` starts in the new namespace. */
async function pidOne(unsharePid: number, exited: Promise<ContainerExit>): Promise<number> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    const children = await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').catch(() => '');
    const pid = Number(children.trim().split(/\s+/)[0]);
    if (pid > 0) return pid;
    if (gone) throw new Error('The container exited as it started');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function processesIn(namespace: string): Promise<ContainerProcess[]> {
  const found: ContainerProcess[] = [];
  if (!namespace) return found;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if ((await readlink(`/proc/${pid}/ns/pid`).catch(() => '')) !== namespace) continue;
    const [status, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
      readFile(`/proc/${pid}/cmdline`).catch(() => Buffer.alloc(0)),
    ]);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    // A zombie (its parent has not reaped it yet) has no command line and runs nothing.
    if (/^State:\s+Z/m.test(status)) continue;
    found.push({ pid, uid, argv: cmdline.toString('utf8').split('\0').slice(0, -1) });
  }
  return found;
}

interface ResolvedUser {
  uid: number;
  gid: number;
  groups: number[];
  home: string;
}

/** `name`, `uid`, `name:group` or `uid:gid`, resolved in the image's own /etc/passwd and /etc/group. */
async function resolveUser(root: string, spec: string): Promise<ResolvedUser> {
  const [userPart = 'root', groupPart] = (spec || 'root').split(':');
  const passwd = (await readFile(path.join(root, 'etc/passwd'), 'utf8')).split('\n').map((line) => line.split(':'));
  const group = (await readFile(path.join(root, 'etc/group'), 'utf8')).split('\n').map((line) => line.split(':'));
  const entry = passwd.find((fields) => fields[0] === userPart || fields[2] === userPart);
  if (!entry && !/^\d+$/.test(userPart)) throw new Error(`The image has no user ${userPart}`);
  const uid = Number(entry?.[2] ?? userPart);
  const name = entry?.[0];
  const primary =
    groupPart === undefined
      ? Number(entry?.[3] ?? 0)
      : Number(group.find((fields) => fields[0] === groupPart)?.[2] ?? groupPart);
  const supplementary = group
    .filter((fields) => name !== undefined && (fields[3] ?? '').split(',').includes(name))
    .map((fields) => Number(fields[2]));
  return { uid, gid: primary, groups: [...new Set([primary, ...supplementary])], home: entry?.[5] || '/' };
}

/** /dev, /etc/hosts, /etc/hostname and /etc/resolv.conf, as a runtime gives a container. */
async function provideRuntimeFiles(root: string): Promise<void> {
  const dev = path.join(root, 'dev');
  await mkdir(path.join(dev, 'shm'), { recursive: true });
  await mkdir(path.join(dev, 'pts'), { recursive: true });
  for (const [name, major, minor] of DEVICES) {
    const node = path.join(dev, name);
    if (!existsSync(node)) await makeDevice(node, major, minor);
  }
  const hostname = os.hostname();
  await writeFile(path.join(root, 'etc/hostname'), `${hostname}\n`);
  await writeFile(
    path.join(root, 'etc/hosts'),
    `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`,
  );
  await copyFile('/etc/resolv.conf', path.join(root, 'etc/resolv.conf')).catch(() => undefined);
}

function makeDevice(node: string, major: number, minor: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const mknod = spawn('mknod', ['-m', '666', node, 'c', String(major), String(minor)], { stdio: 'ignore' });
    mknod.once('error', reject);
    mknod.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mknod ${node} exited with ${code}`))));
  });
}
