/* The zone-exec program (main.c), built first, carried inside the runtime binary. */
        .section .rodata
        .balign 16
        .global light_trampoline_start
        .global light_trampoline_end
light_trampoline_start:
        .incbin "zone-exec"
light_trampoline_end:
        .section .note.GNU-stack, "", @progbits
