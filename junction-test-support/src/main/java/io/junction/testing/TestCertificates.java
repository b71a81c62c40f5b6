package io.junction.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made for one test (EC P-256 keys, certificates valid from an hour ago for a day),
 * issuing server certificates for localhost / 127.0.0.1 / ::1 and client certificates with a given CN, written as
 * PEM files (certificates; private keys as PKCS#8) as a server or client takes them. Needs Bouncy Castle's bcpkix
 * on the test class path. Not thread-safe.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate and its private key, as PEM files. */
    public record Issued(Path certificate, Path privateKey) {
    }

    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCertificates(String name, KeyPair keys, X509Certificate certificate) {
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new self-signed authority. */
    public static TestCertificates authority(String name) {
        KeyPair keys = newKeys();
        X500Name subject = new X500Name("CN=" + name);
        try {
            X509v3CertificateBuilder b = builder(subject, subject, keys);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new TestCertificates(name, keys, sign(b, keys.getPrivate()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The authority's own certificate, as a PEM file in {@code dir} (what a peer trusts). */
    public Path caFile(Path dir) {
        return write(dir.resolve(name + "-ca.pem"), pem("CERTIFICATE", encoded(certificate)));
    }

    /** A server certificate for localhost, 127.0.0.1 and ::1. */
    public Issued server(Path dir, String fileName) {
        return issue(dir, fileName, "localhost", KeyPurposeId.id_kp_serverAuth, true);
    }

    /** A client certificate whose subject CN is {@code commonName}. */
    public Issued client(Path dir, String fileName, String commonName) {
        return issue(dir, fileName, commonName, KeyPurposeId.id_kp_clientAuth, false);
    }

    private Issued issue(Path dir, String fileName, String commonName, KeyPurposeId purpose, boolean server) {
        KeyPair leaf = newKeys();
        try {
            X509v3CertificateBuilder b = builder(new X500Name("CN=" + name), new X500Name("CN=" + commonName),
                    leaf);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            if (server) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            }
            X509Certificate cert = sign(b, keys.getPrivate());
            Path certFile = write(dir.resolve(fileName + ".pem"), pem("CERTIFICATE", encoded(cert)));
            Path keyFile = write(dir.resolve(fileName + "-key.pem"), pem("PRIVATE KEY",
                    leaf.getPrivate().getEncoded()));
            return new Issued(certFile, keyFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(b.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static KeyPair newKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has EC P-256", e);
        }
    }

    private static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
