package dev.tuna.tune;

/** A trial's life: claimed and running, back in the queue (its worker died), complete, or failed. */
public enum TrialState { RUNNING, PENDING, COMPLETE, FAILED }
