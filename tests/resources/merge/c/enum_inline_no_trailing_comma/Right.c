enum color { RED, GREEN, CYAN };
