section .data
    space db " "
    newline db 10

section .text
    global _start

; strlen(esi) -> edx
strlen:
    xor edx, edx
.next:
    cmp byte [esi + edx], 0
    je .end
    inc edx
    jmp .next
.end:
    ret

_start:
    mov ebp, esp
    mov edi, [ebp]      ; argc
    mov ebx, 1          ; index of the first argument
.loop:
    cmp ebx, edi
    jge .done
    cmp ebx, 1
    je .word
    push ebx
    mov eax, 4
    mov ebx, 1
    mov ecx, space
    mov edx, 1
    int 0x80
    pop ebx
.word:
    mov esi, [ebp + 4 + ebx * 4]
    call strlen
    push ebx
    mov eax, 4
    mov ebx, 1
    mov ecx, esi
    int 0x80
    pop ebx
    inc ebx
    jmp .loop
.done:
    mov eax, 4
    mov ebx, 1
    mov ecx, newline
    mov edx, 1
    int 0x80
    mov eax, 1
    xor ebx, ebx
    int 0x80
