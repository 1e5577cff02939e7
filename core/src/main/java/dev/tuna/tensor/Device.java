package dev.tuna.tensor;

/** Where a tensor's storage lives: the host ("cpu") or a CUDA device by index. */
public record Device(Kind kind, int index) {
    public enum Kind { CPU, CUDA }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public static Device cuda(int index) { return new Device(Kind.CUDA, index); }

    /** Parses "cpu", "cuda" or "cuda:N"; throws IllegalArgumentException naming what was expected. */
    public static Device parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda")) return cuda(0);
        if (t.startsWith("cuda:")) {
            try {
                int i = Integer.parseInt(t.substring(5));
                if (i >= 0) return cuda(i);
            } catch (NumberFormatException ignored) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("device '" + s + "': expected cpu, cuda or cuda:N");
    }

    @Override
    public String toString() { return kind == Kind.CPU ? "cpu" : "cuda:" + index; }
}
