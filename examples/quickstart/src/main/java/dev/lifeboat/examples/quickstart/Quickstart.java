package dev.lifeboat.examples.quickstart;

/** Placeholder, replaced below. */
public final class Quickstart {
    public static void main(String[] args) {}
}
