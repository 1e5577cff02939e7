package dev.tuna.backend;

/** Elementwise binary ops with numpy-style broadcasting. */
public enum BinaryOp { ADD, SUB, MUL, DIV }
