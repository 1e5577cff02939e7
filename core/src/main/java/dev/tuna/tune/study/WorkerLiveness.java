package dev.tuna.tune.study;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whether the worker holding a RUNNING trial is alive. A worker id is {@code host/pid/processStartMillis/random}.
 * On this host a worker is dead when its process is gone (or the pid now belongs to a process that started at
 * another time, or is a zombie), and a live one is never judged by its heartbeat (a long GC or a stopped debugger
 * must not cost it its trial). A worker on another host is dead when its heartbeat is older than the staleness
 * limit, measured on one clock: the database's for a shared PostgreSQL study, so hosts' clocks need not agree.
 */
final class WorkerLiveness {
    // The pid namespace of a process not in a container: with any other namespace the pids we see are not the
    // host's, so two containers sharing a hostname must not compare each other's pids (see host()).
    private static final long INIT_PID_NAMESPACE = 4026531836L;
    static final String HOST = host();

    /**
     * The prefix of the worker recorded on an asked trial ({@code tuna ask}, {@code Study.ask}): the asking process
     * exits and a program elsewhere runs the trial, so no process or heartbeat speaks for it; it stays open until
     * told (as Optuna's asked trials do), and no worker's liveness check ever requeues it.
     */
    static final String ASKED = "asked/";

    private WorkerLiveness() {}

    /** The worker recorded on the trials that worker {@code workerId} asks. */
    static String askedBy(String workerId) { return ASKED + workerId; }

    /** Whether a trial's worker is an asker's: open until told, never judged dead. */
    static boolean isAsked(String worker) { return worker != null && worker.startsWith(ASKED); }

    /** Why {@code worker}'s RUNNING trial counts as abandoned, seen by worker {@code self}; null when it may be alive. */
    static String deathOf(String self, String worker, long heartbeatMillis, long now, long staleAfterMillis) {
        if (self.equals(worker) || isAsked(worker)) return null;
        String[] p = worker == null ? new String[0] : worker.split("/", -1);
        if (p.length == 4 && p[0].equals(HOST)) {
            try {
                long pid = Long.parseLong(p[1]);
                long start = Long.parseLong(p[2]);
                Optional<ProcessHandle> ph = ProcessHandle.of(pid);
                if (ph.isEmpty() || !ph.get().isAlive() || isZombie(pid)) return "died (no process " + pid + " on this host)";
                Optional<Instant> started = ph.get().info().startInstant();
                // Start times are derived from the kernel's boot time and clock ticks: allow for rounding.
                if (start != 0 && started.isPresent() && Math.abs(started.get().toEpochMilli() - start) > 1_000) {
                    return "died (pid " + pid + " now belongs to another process)";
                }
                return null; // alive on this host: never requeued, whatever its heartbeat says
            } catch (NumberFormatException e) {
                // not one of our ids: judge by its heartbeat
            }
        }
        long age = now - heartbeatMillis;
        return age > staleAfterMillis ? "went silent (last heartbeat " + age / 1000 + " s ago)" : null;
    }

    /** A killed process its parent has not reaped yet still has a pid (Linux: state Z in /proc/PID/stat). */
    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')'); // the command name may contain spaces and parentheses
            char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return false; // no procfs: trust ProcessHandle
        }
    }

    /** A fresh worker id for this process: host, pid, process start time and a random part (two stores in one process differ). */
    static String newWorkerId() {
        ProcessHandle me = ProcessHandle.current();
        long start = me.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return HOST + "/" + me.pid() + "/" + start + "/" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /**
     * This host's name as worker ids use it: the kernel's hostname (no DNS lookup, which can hang), with '/'
     * and blanks replaced, plus the pid namespace when it is not the host's, since pids are only comparable
     * within one namespace (two containers may share a hostname).
     */
    static String host() {
        String name = null;
        try {
            name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        if (name == null || name.isEmpty()) name = System.getenv("HOSTNAME");
        if (name == null || name.isEmpty()) name = System.getenv("COMPUTERNAME");
        if (name == null || name.isEmpty()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                name = "localhost";
            }
        }
        name = name.replaceAll("[/\\s]", "_");
        try {
            String ns = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // "pid:[4026531836]"
            long inode = Long.parseLong(ns.replaceAll("\\D", ""));
            if (inode != INIT_PID_NAMESPACE) name += "~pidns" + inode;
        } catch (IOException | RuntimeException e) {
            // no procfs: the hostname alone
        }
        return name;
    }
}
