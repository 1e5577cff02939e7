package dev.tuna.data.tabular;

/** How a table's label column is read: as classes (class indices over the sorted distinct labels) or as values. */
public enum LabelKind {
    CLASSES, VALUES;

    /** CLASSES for a task that classifies (classification, binary), VALUES for regression. */
    public static LabelKind of(boolean classifies) { return classifies ? CLASSES : VALUES; }
}
