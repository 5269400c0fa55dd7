"""The reward process (URU 第十二至二十条): starting it, its task rules, its documents, and what
happens after payment (top-ups, clawbacks)."""
