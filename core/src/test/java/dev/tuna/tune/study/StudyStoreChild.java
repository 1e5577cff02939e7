package dev.tuna.tune.study;

import dev.tuna.tune.Proposal;
import java.util.Map;

/**
 * A second worker process for StudyStoreTest: opens the study (a folder, or a folder, URL and name), claims one
 * trial, says so on stdout (the test reads that line instead of polling), then sleeps until killed.
 */
public final class StudyStoreChild {
    private StudyStoreChild() {}

    public static void main(String[] args) throws Exception {
        StudyStore store = StudyBackend.openFromArgs(args);
        StudyStore.Claim c = store.claim(trials -> Proposal.of(Map.of("who", "child")), n -> 7L);
        System.out.println("claimed trial " + c.trial().number() + " as " + store.workerId());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
