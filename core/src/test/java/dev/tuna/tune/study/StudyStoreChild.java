package dev.tuna.tune.study;

import dev.tuna.tune.Proposal;
import java.nio.file.Path;
import java.util.Map;

/** A second worker process for StudyStoreTest: opens the study, claims one trial, then sleeps until killed. */
public final class StudyStoreChild {
    private StudyStoreChild() {}

    public static void main(String[] args) throws Exception {
        StudyStore store = StudyStore.open(Path.of(args[0]), false);
        StudyStore.Claim c = store.claim(trials -> Proposal.of(Map.of("who", "child")), n -> 7L);
        System.out.println("claimed trial " + c.trial().number() + " as " + store.workerId());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
